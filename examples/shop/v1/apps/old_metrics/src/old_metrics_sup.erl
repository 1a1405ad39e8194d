-module(old_metrics_sup).
-behaviour(supervisor).

-export([start_link/0, init/1]).

start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    SupFlags = #{strategy => one_for_one, intensity => 5, period => 10},
    Counter = #{id => old_metrics,
                start => {old_metrics, start_link, []},
                restart => permanent,
                shutdown => 5000,
                type => worker,
                modules => [old_metrics]},
    {ok, {SupFlags, [Counter]}}.
