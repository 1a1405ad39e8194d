defmodule Counter.Server do
  @moduledoc "Holds the count."
  use GenServer

  alias Counter.State

  def start_link(_argument), do: GenServer.start_link(__MODULE__, :ok, name: __MODULE__)

  def bump(by \\ 1), do: GenServer.call(__MODULE__, {:bump, by})

  @impl true
  def init(:ok), do: {:ok, %State{}}

  @impl true
  def handle_call({:bump, by}, _from, %State{count: count} = state) do
    {:reply, count + by, %State{state | count: count + by}}
  end
end
