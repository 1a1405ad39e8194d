# Example Elixir project "counter", version 0.1.0 (see examples/counter/README.md).
defmodule Counter.MixProject do
  use Mix.Project

  def project do
    [
      app: :counter,
      version: "0.1.0",
      elixir: "~> 1.14",
      deps: [],
      releases: [
        counter: [
          include_executables_for: [:unix],
          steps: [:assemble, &prepare_upgrades/1]
        ]
      ]
    ]
  end

  def application do
    # :sasl runs release_handler, which installs hot upgrades.
    [extra_applications: [:logger, :sasl], mod: {Counter.Application, []}]
  end

  # Makes the fresh release upgradable before its first boot (writes releases/RELEASES).
  # RELUP names the relup command when it is not on PATH.
  defp prepare_upgrades(release) do
    relup =
      System.find_executable(System.get_env("RELUP", "relup")) ||
        Mix.raise("relup is not on PATH (install it, or set RELUP to its path)")

    case System.cmd(relup, ["prepare", release.path], stderr_to_stdout: true) do
      {output, 0} -> Mix.shell().info(String.trim_trailing(output))
      {output, status} -> Mix.raise("relup prepare failed (exit #{status}):\n#{output}")
    end

    release
  end
end
