defprotocol Counter.Describe do
  @moduledoc "A one-line description of the counter's values."
  def describe(value)
end
