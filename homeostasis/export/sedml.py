"""SED-ML Level 1 Version 4 beside an SBML export: the simulation (a uniform time course of the
run, CVODE with the export's tolerances) and its outputs (one plot per observable, titled in
words, and a report of every one), so that a SED-ML tool reproduces the package's figure.

python-libsedml (an optional dependency, in the ``[sedml]`` and ``[test]`` extras) writes the
document; it is imported on use.
"""

from __future__ import annotations

from ..errors import ExportError

SBML_LANGUAGE = "urn:sedml:language:sbml.level-3.version-2"
CVODE = "KISAO:0000019"
RELATIVE_TOLERANCE = "KISAO:0000209"
ABSOLUTE_TOLERANCE = "KISAO:0000211"
POINTS = 500


def _xpath(kind: str, identifier: str) -> str:
    return f"/sbml:sbml/sbml:model/sbml:listOf{kind}s/sbml:{kind[0].lower() + kind[1:]}[@id='{identifier}']"


def to_sedml(sbml_text: str, source: str, *, days: float = 365.0, variables=None) -> str:
    """SED-ML L1V4 text for the SBML ``sbml_text`` saved as ``source`` (a path relative to the
    SED-ML file): a time course over ``days`` and plots of ``variables`` (default: the main
    observables) as the package names them."""
    try:
        import libsedml
    except ImportError:
        raise ExportError("SED-ML export needs python-libsedml: pip install 'homeostasis[sedml]'") from None
    import libsbml

    from ..plotting.labels import axis_label
    from .sbml import tolerance_hints

    model = libsbml.readSBMLFromString(sbml_text).getModel()
    relative, absolute = tolerance_hints(sbml_text)
    names = list(variables or ("ca_total", "phosphate", "pth", "calcitriol", "fgf23", "urine_ca"))
    for name in names:
        if model.getParameter(name) is None and model.getSpecies(name) is None:
            raise ExportError(f"SED-ML: {name!r} is not an output of the exported model")
    document = libsedml.SedDocument(1, 4)
    sed_model = document.createModel()
    sed_model.setId("model")
    sed_model.setLanguage(SBML_LANGUAGE)
    sed_model.setSource(str(source))
    simulation = document.createUniformTimeCourse()
    simulation.setId("time_course")
    simulation.setInitialTime(0.0)
    simulation.setOutputStartTime(0.0)
    simulation.setOutputEndTime(float(days))
    simulation.setNumberOfPoints(POINTS)
    algorithm = simulation.createAlgorithm()
    algorithm.setKisaoID(CVODE)
    for kisao, value in ((RELATIVE_TOLERANCE, relative), (ABSOLUTE_TOLERANCE, min(absolute.values()))):
        parameter = algorithm.createAlgorithmParameter()
        parameter.setKisaoID(kisao)
        parameter.setValue(repr(float(value)))
    task = document.createTask()
    task.setId("task")
    task.setModelReference("model")
    task.setSimulationReference("time_course")
    _generator(document, "time", None, "time (days)")
    report = document.createReport()
    report.setId("report")
    report.setName("every plotted observable")
    _report_column(report, "time")
    for name in names:
        kind = "Species" if model.getSpecies(name) is not None else "Parameter"
        _generator(document, name, _xpath(kind, name), _ascii(axis_label(name, _unit(model, name))))
        plot = document.createPlot2D()
        plot.setId(f"plot_{name}")
        plot.setName(_ascii(axis_label(name, _unit(model, name))))
        curve = plot.createCurve()
        curve.setId(f"curve_{name}")
        curve.setName(name)
        curve.setXDataReference("dg_time")
        curve.setYDataReference(f"dg_{name}")
        _report_column(report, name)
    text = libsedml.writeSedMLToString(document)
    errors = sedml_errors(text)
    if errors:
        raise ExportError(f"libsedml reports {len(errors)} error(s) in the SED-ML export: {errors[0]}")
    return text


def _ascii(text: str) -> str:
    """libsedml's Python layer writes ASCII names only: 'OH)₂D' becomes 'OH)2D', '×' 'x'."""
    import unicodedata

    text = text.replace("\u00d7", "x").replace("\u00b2", "^2").replace("\u00b3", "^3")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _unit(model, name) -> str:
    element = model.getParameter(name) or model.getSpecies(name)
    definition = model.getUnitDefinition(element.getUnits() or element.getSubstanceUnits() or "")
    return definition.getName() if definition is not None else "dimensionless"


def _generator(document, name, target, label) -> None:
    generator = document.createDataGenerator()
    generator.setId(f"dg_{name}")
    generator.setName(label)
    variable = generator.createVariable()
    variable.setId(f"v_{name}")
    variable.setTaskReference("task")
    if target is None:
        variable.setSymbol("urn:sedml:symbol:time")
    else:
        variable.setTarget(target)
    import libsedml

    generator.setMath(libsedml.parseL3Formula(f"v_{name}"))


def _report_column(report, name) -> None:
    column = report.createDataSet()
    column.setId(f"column_{name}")
    column.setLabel(name)
    column.setDataReference(f"dg_{name}")


def sedml_errors(text: str) -> list[str]:
    """libsedml's errors (severity error and above) on reading and checking ``text``."""
    import libsedml

    document = libsedml.readSedMLFromString(text)
    for check in ("checkConsistency", "validateSedML"):  # whichever this libsedml has
        if hasattr(document, check):
            getattr(document, check)()
            break
    log = document.getErrorLog()
    return [log.getError(i).getMessage().strip() for i in range(log.getNumErrors())
            if log.getError(i).getSeverity() >= libsedml.LIBSEDML_SEV_ERROR]
