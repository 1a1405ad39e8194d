%% @doc Line prices, in cents.
-module(shop_price).

-export([price/2]).

-spec price(atom(), pos_integer()) -> non_neg_integer().
price(Sku, Quantity) ->
    catalog:unit_price(Sku) * Quantity.
