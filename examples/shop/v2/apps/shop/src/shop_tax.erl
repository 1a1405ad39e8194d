%% @doc Value added tax, in cents; new in 1.1.0.
-module(shop_tax).

-export([gross/1]).

%% @doc Add VAT (the shop's vat_percent, 20 by default) to a net amount, rounding half up.
-spec gross(non_neg_integer()) -> non_neg_integer().
gross(NetCents) ->
    Percent = application:get_env(shop, vat_percent, 20),
    (NetCents * (100 + Percent) + 50) div 100.
