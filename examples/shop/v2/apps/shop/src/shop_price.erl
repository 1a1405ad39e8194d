%% @doc Line prices, in cents, VAT included (since 1.1.0).
-module(shop_price).

-export([price/2]).

-spec price(atom(), pos_integer()) -> non_neg_integer().
price(Sku, Quantity) ->
    shop_tax:gross(catalog:unit_price(Sku) * Quantity).
