%% @doc The 0.x checkout receipt, kept for old callers; removed in 1.1.0.
-module(shop_legacy).

-export([receipt/0]).

-spec receipt() -> string().
receipt() ->
    Lines = [io_lib:format("~s x~b ~s~n",
                           [catalog:name(Sku), Quantity,
                            shop_util:format_cents(shop_price:price(Sku, Quantity))])
             || {Sku, Quantity} <- shop_cart:items()],
    lists:flatten(Lines).
