defprotocol Counter.Describe do
  @moduledoc "A one-line description of the counter's values, and (0.2.0) their kind."
  def describe(value)
  def kind(value)
end
