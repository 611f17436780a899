"""Proof, Step and Law, the concrete provers, and the independent references they compare with."""
