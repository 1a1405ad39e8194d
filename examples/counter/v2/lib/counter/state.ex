defmodule Counter.State do
  @moduledoc "The counter's state: 0.2.0 adds the step a bare bump/0 adds."
  defstruct count: 0, step: 1
end

defimpl String.Chars, for: Counter.State do
  def to_string(%Counter.State{count: count, step: step}), do: "count=#{count} step=#{step}"
end

defimpl Counter.Describe, for: Counter.State do
  def describe(%Counter.State{count: count, step: step}),
    do: "a counter at #{count}, stepping by #{step}"

  def kind(_state), do: :counter
end
