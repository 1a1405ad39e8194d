%% @doc The shopping cart: one locally registered gen_server.
-module(shop_cart).
-behaviour(gen_server).

-export([start_link/0, add/2, items/0, total/0]).
-export([init/1, handle_call/3, handle_cast/2, code_change/3]).

%% 1.1.0 adds the running total (cents, VAT included) to the 1.0.0 state.
-record(state, {items = [] :: [{atom(), pos_integer()}],
                total = 0 :: non_neg_integer()}).

start_link() ->
    gen_server:start_link({local, ?MODULE}, ?MODULE, [], []).

-spec add(atom(), pos_integer()) -> ok.
add(Sku, Quantity) ->
    gen_server:call(?MODULE, {add, Sku, Quantity}).

-spec items() -> [{atom(), pos_integer()}].
items() ->
    gen_server:call(?MODULE, items).

-spec total() -> non_neg_integer().
total() ->
    gen_server:call(?MODULE, total).

init([]) ->
    {ok, #state{}}.

handle_call({add, Sku, Quantity}, _From, #state{items = Items, total = Total}) ->
    shop_audit:record({added, Sku, Quantity}),
    NewState = #state{items = add_item(Sku, Quantity, Items),
                      total = Total + shop_price:price(Sku, Quantity)},
    {reply, ok, NewState};
handle_call(items, _From, State = #state{items = Items}) ->
    {reply, Items, State};
handle_call(total, _From, State = #state{total = Total}) ->
    {reply, Total, State}.

handle_cast(_Message, State) ->
    {noreply, State}.

%% Downgrade to 1.0.0: its state record has no total field.
code_change({down, _ToVsn}, #state{items = Items}, _Extra) ->
    {ok, {state, Items}};
%% Upgrade from 1.0.0: compute the total of the items already held.
code_change(_FromVsn, {state, Items}, _Extra) ->
    {ok, #state{items = Items, total = total_of(Items)}};
code_change(_FromVsn, State = #state{}, _Extra) ->
    {ok, State}.

add_item(Sku, Quantity, Items) ->
    case lists:keyfind(Sku, 1, Items) of
        {Sku, Held} -> lists:keystore(Sku, 1, Items, {Sku, Held + Quantity});
        false -> Items ++ [{Sku, Quantity}]
    end.

total_of(Items) ->
    lists:sum([shop_price:price(Sku, Quantity) || {Sku, Quantity} <- Items]).
