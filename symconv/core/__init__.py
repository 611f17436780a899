"""The engine, input reading and the package's error classes: what every layer stands on."""
