defmodule Counter.Ticker do
  @moduledoc "New in 0.2.0: counts ticks; its state struct has protocol implementations."
  use GenServer

  defstruct ticks: 0

  def start_link(first), do: GenServer.start_link(__MODULE__, first, name: __MODULE__)

  def tick, do: GenServer.call(__MODULE__, :tick)

  @impl true
  def init(first), do: {:ok, %__MODULE__{ticks: first}}

  @impl true
  def handle_call(:tick, _from, %__MODULE__{ticks: ticks} = state) do
    {:reply, ticks + 1, %__MODULE__{state | ticks: ticks + 1}}
  end
end

defimpl String.Chars, for: Counter.Ticker do
  def to_string(%Counter.Ticker{ticks: ticks}), do: "ticks=#{ticks}"
end

defimpl Counter.Describe, for: Counter.Ticker do
  def describe(%Counter.Ticker{ticks: ticks}), do: "a ticker at #{ticks}"
  def kind(_ticker), do: :ticker
end
