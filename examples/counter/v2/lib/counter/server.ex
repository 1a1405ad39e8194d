defmodule Counter.Server do
  @moduledoc "Holds the count; 0.2.0 adds a step to the state."
  use GenServer

  alias Counter.State

  def start_link(_argument), do: GenServer.start_link(__MODULE__, :ok, name: __MODULE__)

  def bump, do: GenServer.call(__MODULE__, :bump)
  def bump(by), do: GenServer.call(__MODULE__, {:bump, by})

  @impl true
  def init(:ok), do: {:ok, %State{}}

  @impl true
  def handle_call(:bump, from, %State{step: step} = state),
    do: handle_call({:bump, step}, from, state)

  def handle_call({:bump, by}, _from, %State{count: count} = state) do
    {:reply, count + by, %State{state | count: count + by}}
  end

  # Downgrade: back to 0.1.0's struct, which has no step.  Runs before the old
  # code is loaded, so the map is built by hand.
  @impl true
  def code_change({:down, _old_vsn}, %State{count: count}, _extra) do
    {:ok, %{__struct__: State, count: count}}
  end

  # Upgrade from 0.1.0: its struct has no step yet.
  def code_change(_old_vsn, %{__struct__: State, count: count}, _extra) do
    {:ok, %State{count: count, step: 1}}
  end
end
