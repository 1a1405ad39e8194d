defmodule Counter.State do
  @moduledoc "The counter's state."
  defstruct count: 0
end

defimpl String.Chars, for: Counter.State do
  def to_string(%Counter.State{count: count}), do: "count=#{count}"
end

defimpl Counter.Describe, for: Counter.State do
  def describe(%Counter.State{count: count}), do: "a counter at #{count}"
end
