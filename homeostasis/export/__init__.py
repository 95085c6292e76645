"""Exchange formats: SBML (and later PEtab)."""


def to_sbml(*args, **kwargs):
    """SBML L3V2 text of a scenario; see :func:`homeostasis.export.sbml.to_sbml`."""
    from .sbml import to_sbml as export

    return export(*args, **kwargs)


__all__ = ["to_sbml"]
