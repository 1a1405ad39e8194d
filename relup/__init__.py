"""relup: safe, reviewable hot code upgrades for Erlang/OTP and Elixir releases.

The public entry points live in :mod:`relup.api`; the command line in :mod:`relup.cli`.
"""

from __future__ import annotations

__version__ = "0.1.0"
