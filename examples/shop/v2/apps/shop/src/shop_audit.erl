%% @doc Keeps the most recent audit entries of the shop; new in 1.1.0.
-module(shop_audit).
-behaviour(gen_server).

-export([start_link/0, record/1, entries/0]).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).

-define(KEEP, 100).

-record(state, {sequence = 0 :: non_neg_integer(), entries = [] :: [string()]}).

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

%% @doc Record an event; a cast, so callers never fail while the server is absent.
-spec record(tuple()) -> ok.
record(Event) ->
    gen_server:cast(?MODULE, {record, Event}).

%% @doc The kept entries, oldest first.
-spec entries() -> [string()].
entries() ->
    gen_server:call(?MODULE, entries).

init([]) ->
    {ok, #state{}}.

handle_call(entries, _From, State = #state{entries = Entries}) ->
    {reply, lists:reverse(Entries), State}.

handle_cast({record, Event}, #state{sequence = Sequence, entries = Entries}) ->
    Next = Sequence + 1,
    Kept = lists:sublist([audit_log:format(Next, Event) | Entries], ?KEEP),
    {noreply, #state{sequence = Next, entries = Kept}}.

code_change(_OldVsn, State, _Extra) ->
    {ok, State}.
