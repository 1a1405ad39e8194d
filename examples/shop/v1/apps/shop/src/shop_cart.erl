%% @doc The shopping cart: one locally registered gen_server.
-module(shop_cart).
-behaviour(gen_server).

-export([start_link/0, add/2, items/0]).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).

-record(state, {items = [] :: [{atom(), pos_integer()}]}).

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

-spec add(atom(), pos_integer()) -> ok.
add(Sku, Quantity) ->
    gen_server:call(?MODULE, {add, Sku, Quantity}).

-spec items() -> [{atom(), pos_integer()}].
items() ->
    gen_server:call(?MODULE, items).

init([]) ->
    {ok, #state{}}.

handle_call({add, Sku, Quantity}, _From, State = #state{items = Items}) ->
    old_metrics:bump(cart_add),
    {reply, ok, State#state{items = add_item(Sku, Quantity, Items)}};
handle_call(items, _From, State = #state{items = Items}) ->
    {reply, Items, State}.

handle_cast(_Message, State) ->
    {noreply, State}.

code_change(_OldVsn, State, _Extra) ->
    {ok, State}.

add_item(Sku, Quantity, Items) ->
    case lists:keyfind(Sku, 1, Items) of
        {Sku, Held} -> lists:keystore(Sku, 1, Items, {Sku, Held + Quantity});
        false -> Items ++ [{Sku, Quantity}]
    end.
