-module(shop_sup).
-behaviour(supervisor).

-export([start_link/0, init/1]).

start_link() ->
    supervisor:start_link({local, ?MODULE}, ?MODULE, []).

init([]) ->
    SupFlags = #{strategy => one_for_one, intensity => 5, period => 10},
    Cart = #{id => shop_cart,
             start => {shop_cart, start_link, []},
             restart => permanent,
             shutdown => 5000,
             type => worker,
             modules => [shop_cart]},
    {ok, {SupFlags, [Cart]}}.
