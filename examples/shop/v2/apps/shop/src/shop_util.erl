%% @doc Formatting helpers shared by the shop modules (same in every release).
-module(shop_util).

-export([format_cents/1]).

%% @doc Render an amount of cents as "units.cents", e.g. 1234 -> "12.34".
-spec format_cents(integer()) -> string().
format_cents(Cents) when Cents < 0 ->
    "-" ++ format_cents(-Cents);
format_cents(Cents) ->
    lists:flatten(io_lib:format("~b.~2..0b", [Cents div 100, Cents rem 100])).
