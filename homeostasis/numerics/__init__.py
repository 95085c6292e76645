"""Numerics: code generation from the SymPy model, the compiled-model cache, and the one
module that calls SciPy (:mod:`homeostasis.numerics.solve`)."""
