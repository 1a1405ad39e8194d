%% @doc Static product catalogue: SKU to name and unit price in cents.
-module(catalog).

-export([skus/0, name/1, unit_price/1]).

-define(PRODUCTS, #{apple => {"Apple", 40},
                    bread => {"Bread", 250},
                    cheese => {"Cheese", 690}}).

-spec skus() -> [atom()].
skus() ->
    lists:sort(maps:keys(?PRODUCTS)).

-spec name(atom()) -> string().
name(Sku) ->
    {Name, _Cents} = maps:get(Sku, ?PRODUCTS),
    Name.

-spec unit_price(atom()) -> non_neg_integer().
unit_price(Sku) ->
    {_Name, Cents} = maps:get(Sku, ?PRODUCTS),
    Cents.
