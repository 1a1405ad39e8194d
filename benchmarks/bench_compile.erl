%% Compiles the modules of one synthetic release for the benchmark generator.
%%
%% The manifest is a file of terms {BeamPath, SourceText}; every source is
%% parsed form by form and compiled in memory, spread over one worker per
%% scheduler, so a 20,000-module release needs a single VM start.
-module(bench_compile).
-export([main/1]).

main(ManifestPath) ->
    {ok, Entries} = file:consult(ManifestPath),
    Workers = erlang:system_info(schedulers_online),
    Chunks = split(Entries, Workers),
    Parent = self(),
    Pids = [spawn(fun() -> Parent ! {done, self(), safely(Chunk)} end) || Chunk <- Chunks],
    Failures = lists:append([receive {done, Pid, Failed} -> Failed end || Pid <- Pids]),
    case Failures of
        [] -> halt(0);
        _ -> io:format(standard_error, "~p~n", [Failures]), halt(1)
    end.

split(Entries, Workers) ->
    Indexed = lists:zip(lists:seq(0, length(Entries) - 1), Entries),
    [[Entry || {Index, Entry} <- Indexed, Index rem Workers =:= Worker]
     || Worker <- lists:seq(0, Workers - 1)].

safely(Chunk) ->
    try compile_all(Chunk) catch Class:Reason -> [{crash, Class, Reason}] end.

compile_all(Entries) ->
    lists:append([compile_one(Path, Source) || {Path, Source} <- Entries]).

compile_one(Path, Source) ->
    Forms = forms(Source, 1, []),
    case compile:forms(Forms, [binary, return_errors]) of
        {ok, _Module, Beam} -> ok = file:write_file(Path, Beam), [];
        Error -> [{Path, Error}]
    end.

forms(Source, Line, Acc) ->
    case erl_scan:tokens([], Source, Line) of
        {done, {ok, Tokens, Next}, Rest} ->
            {ok, Form} = erl_parse:parse_form(Tokens),
            forms(Rest, Next, [Form | Acc]);
        {more, _} ->
            lists:reverse(Acc)
    end.
