%% @doc Named counters kept in a gen_server.
-module(old_metrics).
-behaviour(gen_server).

-export([start_link/0, bump/1, value/1]).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

-spec bump(atom()) -> ok.
bump(Name) ->
    gen_server:cast(?MODULE, {bump, Name}).

-spec value(atom()) -> non_neg_integer().
value(Name) ->
    gen_server:call(?MODULE, {value, Name}).

init([]) ->
    {ok, #{}}.

handle_call({value, Name}, _From, Counters) ->
    {reply, maps:get(Name, Counters, 0), Counters}.

handle_cast({bump, Name}, Counters) ->
    {noreply, maps:update_with(Name, fun(N) -> N + 1 end, 1, Counters)}.

code_change(_OldVsn, Counters, _Extra) ->
    {ok, Counters}.
