%% @doc Turns audit events into one-line text entries.
-module(audit_log).

-export([format/2]).

%% @doc An entry numbered Sequence, e.g. format(3, {added, apple, 2}) -> "#3 added apple 2".
-spec format(pos_integer(), tuple()) -> string().
format(Sequence, Event) ->
    Fields = [io_lib:format("~tp", [Field]) || Field <- tuple_to_list(Event)],
    lists:flatten(["#", integer_to_list(Sequence), [[" ", Field] || Field <- Fields]]).
