%% The Erlang half of the systools oracle used by relup's differential tests.
%%
%% Started once per pytest session by tests/oracle/oracle.py, which compiles
%% this file in memory and calls main/1 with two file descriptor numbers.
%% Requests arrive on the first descriptor and replies leave on the second,
%% each framed by a 4-byte big-endian length.  Both are UTF-8 Erlang term
%% text without the final dot, so neither side needs the binary term format:
%%
%%   request:  {ping}
%%             {echo, Term}
%%             {format, Format, Args}
%%             {compile, EbinDir, [SourceText]}
%%             {make_relup, TopStem, UpFrom, DownTo, Options}
%%             {translate_scripts, Mode, Scripts, Appls, PreAppls}
%%             {otp_info}
%%             {intern_atoms, [Atom]}
%%             {sleep, Milliseconds}
%%   reply:    {reply, Result} | {oracle_error, Reason}
%%
%% Stdout and stderr of the VM are not part of the protocol, so anything
%% OTP prints cannot corrupt a reply; the client keeps them in a log file.
-module(oracle_server).
-export([main/1]).

%% The modules requests use, loaded before the first request so that code
%% loading (which creates atoms) does not happen in the middle of a request.
-define(WARM_MODULES, [systools, systools_relup, systools_make, systools_rc,
                       systools_lib, compile, erl_scan, erl_parse, re,
                       digraph, digraph_utils, sofs, file, filename]).

main([InFd, OutFd]) ->
    Fds = {list_to_integer(InFd), list_to_integer(OutFd)},
    _ = code:ensure_modules_loaded(?WARM_MODULES),
    Server = spawn(fun() -> serve(Fds) end),
    Ref = monitor(process, Server),
    %% main/1 runs from -eval and must not return while the server lives,
    %% otherwise nothing would halt the VM when the server dies.
    receive {'DOWN', Ref, process, Server, _} -> erlang:halt(1) end.

serve(Fds) ->
    process_flag(trap_exit, true),
    Port = open_port({fd, element(1, Fds), element(2, Fds)},
                     [binary, {packet, 4}, eof]),
    loop(Port).

loop(Port) ->
    receive
        {Port, {data, Request}} ->
            Reply = handle_text(Request),
            port_command(Port, unicode:characters_to_binary(Reply)),
            loop(Port);
        {Port, eof} ->
            erlang:halt(0);
        {'EXIT', Port, _} ->
            erlang:halt(0)
    end.

handle_text(Bytes) ->
    Reply = try {reply, dispatch(parse_request(Bytes))}
            catch Class:Reason:Stack ->
                    {oracle_error, {Class, Reason, Stack}}
            end,
    io_lib:format("~tw", [printable(Reply)]).

parse_request(Bytes) ->
    Text = unicode:characters_to_list(Bytes),
    {ok, Tokens, End} = erl_scan:string(Text),
    {ok, Term} = erl_parse:parse_term(Tokens ++ [{dot, End}]),
    Term.

dispatch({ping}) ->
    pong;
dispatch({echo, Term}) ->
    Term;
dispatch({format, Format, Args}) ->
    unicode:characters_to_list(io_lib:format(Format, Args));
dispatch({compile, Dir, Sources}) ->
    compile_all(Dir, Sources, []);
dispatch({make_relup, Top, UpFrom, DownTo, Options}) ->
    catching(fun() -> systools:make_relup(Top, UpFrom, DownTo, Options) end);
dispatch({translate_scripts, Mode, Scripts, Appls, PreAppls}) ->
    catching(fun() ->
                     systools_rc:translate_scripts(Mode, Scripts,
                                                   application_records(Appls),
                                                   application_records(PreAppls))
             end);
dispatch({otp_info}) ->
    {code:root_dir(), erlang:system_info(version),
     [core_app(App) || App <- [kernel, stdlib, sasl]]};
dispatch({sleep, Milliseconds}) ->
    %% Only for testing the client's timeout handling.
    timer:sleep(Milliseconds);
dispatch({intern_atoms, Atoms}) ->
    %% Parsing the request already created the atoms, in the order given.
    length(Atoms).

core_app(App) ->
    Dir = code:lib_dir(App),
    AppFile = filename:join([Dir, "ebin", atom_to_list(App) ++ ".app"]),
    {ok, [{application, App, Keys}]} = file:consult(AppFile),
    {vsn, Vsn} = lists:keyfind(vsn, 1, Keys),
    {App, Vsn, Dir}.

%% The exact return value, or a description of the exception that `catch`
%% would have turned into {'EXIT', ...}; the class is kept so the client can
%% tell an error from an exit.
catching(Fun) ->
    try {returned, Fun()}
    catch Class:Reason:Stack -> {raised, Class, Reason, Stack}
    end.

compile_all(_Dir, [], Modules) ->
    {ok, lists:reverse(Modules)};
compile_all(Dir, [Source | Rest], Modules) ->
    case compile_source(Source) of
        {ok, Module, Beam} ->
            File = filename:join(Dir, atom_to_list(Module) ++ ".beam"),
            ok = file:write_file(File, Beam),
            compile_all(Dir, Rest, [Module | Modules]);
        {error, _} = Error ->
            Error
    end.

compile_source(Source) ->
    case forms(Source) of
        {ok, Forms} ->
            case compile:forms(Forms, [binary, return_errors, deterministic]) of
                {ok, Module, Beam} -> {ok, Module, Beam};
                {error, Errors, _Warnings} -> {error, Errors}
            end;
        {error, _} = Error ->
            Error
    end.

forms(Source) ->
    case erl_scan:string(Source, {1, 1}) of
        {ok, Tokens, _} -> parse_forms(split_forms(Tokens, [], []), []);
        {error, Info, _} -> {error, Info}
    end.

split_forms([], [], Forms) ->
    lists:reverse(Forms);
split_forms([], Partial, Forms) ->
    lists:reverse([lists:reverse(Partial) | Forms]);
split_forms([{dot, _} = Dot | Rest], Partial, Forms) ->
    split_forms(Rest, [], [lists:reverse([Dot | Partial]) | Forms]);
split_forms([Token | Rest], Partial, Forms) ->
    split_forms(Rest, [Token | Partial], Forms).

parse_forms([], Forms) ->
    {ok, lists:reverse(Forms)};
parse_forms([Tokens | Rest], Forms) ->
    case erl_parse:parse_form(Tokens) of
        {ok, Form} -> parse_forms(Rest, [Form | Forms]);
        {error, Info} -> {error, Info}
    end.

%% {Name, Vsn, Modules, Type} becomes an #application{} record (sasl's
%% systools.hrl, OTP 25 field order) with the other fields at their record
%% defaults; a ready-made 17-tuple record is passed through unchanged.
application_records(Appls) ->
    [application_record(Appl) || Appl <- Appls].

application_record({Name, Vsn, Modules, Type}) ->
    {application, Name, Type, Vsn, "", "", Modules, [], [], [], [], [],
     infinity, infinity, [], undefined, ""};
application_record(Record) when tuple_size(Record) =:= 17,
                                element(1, Record) =:= application ->
    Record.

%% Pids, ports, references and local funs have no text form the client can
%% read; they only occur inside crash reasons, so replace them by a tagged
%% tuple holding their printed form.  An external fun prints as fun M:F/A,
%% which the client reads (an appup may hold one).
printable(Term) when is_pid(Term) -> opaque(pid, Term);
printable(Term) when is_port(Term) -> opaque(port, Term);
printable(Term) when is_reference(Term) -> opaque(reference, Term);
printable(Term) when is_function(Term) ->
    case erlang:fun_info(Term, type) of
        {type, external} -> Term;
        {type, local} -> opaque(function, Term)
    end;
printable([Head | Tail]) -> [printable(Head) | printable(Tail)];
printable(Term) when is_tuple(Term) ->
    list_to_tuple(printable(tuple_to_list(Term)));
printable(Term) when is_map(Term) ->
    maps:from_list(printable(maps:to_list(Term)));
printable(Term) -> Term.

opaque(Kind, Term) ->
    {'$opaque', Kind, lists:flatten(io_lib:format("~w", [Term]))}.
