"""Every scenario's SBML export in libroadrunner and COPASI at the tools' own default settings.

Run: python benchmarks/sbml_defaults.py [--unscaled] [SCENARIO ...]

For each scenario (default: all), its export (states scaled by their typical sizes, the default;
``--unscaled``: in their own units) is simulated over the healthy-start year (501 points over 365
days) by libroadrunner (CVODE; relative tolerance 1e-6, absolute 1e-12, 20,000 steps per output
interval: its defaults) and by COPASI through basico (LSODA; relative 1e-6, absolute
1e-12, 100,000 steps: its defaults), nothing set. Printed per scenario and tool: the load time
(libroadrunner: parse and LLVM compile; COPASI: import), the run time, and the largest
difference of any observable from ``homeostasis.simulate`` (rtol 1e-8), relative to the
observable's scale (:func:`homeostasis.export.sbml.observable_errors`), with the observable.
One run each (load and compile dominate; a second run would hit libroadrunner's cache).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

AVOGADRO = 6.02214076e23
DAYS, POINTS = 365.0, 501


def roadrunner_defaults(text):
    """(load seconds, run seconds, {observable: column}) with libroadrunner's defaults."""
    import roadrunner

    from homeostasis.model import build_model

    start = time.perf_counter()
    r = roadrunner.RoadRunner(text)
    load = time.perf_counter() - start
    names = list(build_model().observable_names)
    start = time.perf_counter()
    table = r.simulate(0, DAYS, POINTS, selections=["time", *names])
    run = time.perf_counter() - start
    return load, run, {n: table[n] for n in ["time", *names]}


def copasi_defaults(text, folder):
    """(load seconds, run seconds, {observable: column}) with COPASI's defaults (basico)."""
    import basico
    import libsbml

    from homeostasis.model import build_model

    path = Path(folder) / "model.xml"
    path.write_text(text, encoding="utf-8")
    start = time.perf_counter()
    model = basico.load_model(str(path))
    load = time.perf_counter() - start
    try:
        start = time.perf_counter()
        table = basico.run_time_course(duration=DAYS, intervals=POINTS - 1, model=model, use_numbers=True,
                                       use_sbml_id=True)
        run = time.perf_counter() - start
    finally:
        basico.remove_datamodel(model)
    sbml = libsbml.readSBMLFromString(text).getModel()
    # with use_numbers COPASI reports a species as a particle number of its amount in the SBML's unit
    columns = {n: table[n].to_numpy() / (AVOGADRO if sbml.getSpecies(n) is not None else 1.0)
               for n in build_model().observable_names}
    columns["time"] = table.index.to_numpy(float)
    return load, run, columns


def measure(scenario, tool, folder, scaled=True):
    """One row: load, run, worst relative error and its observable."""
    import numpy as np

    import homeostasis
    from homeostasis.export.sbml import observable_errors

    text = homeostasis.to_sbml(scenario, scaled=scaled)
    load, run, columns = roadrunner_defaults(text) if tool == "libroadrunner" else copasi_defaults(text, folder)
    result = homeostasis.simulate(scenario, times=np.asarray(columns["time"], float), rtol=1e-8)
    errors = observable_errors(result, columns)
    worst = max(errors, key=errors.get)
    return load, run, errors[worst], worst


def main(arguments):
    import basico
    import roadrunner

    import homeostasis

    scaled = "--unscaled" not in arguments
    scenarios = [a for a in arguments if a != "--unscaled"]
    print(f"homeostasis {homeostasis.__version__}, libroadrunner {roadrunner.__version__}, basico "
          f"{basico.__version__}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
          f"defaults of each tool, {POINTS} points over {DAYS:g} days, states {'scaled' if scaled else 'unscaled'}")
    print(f"| scenario | tool | load (s) | run (s) | largest error | observable |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="homeostasis-copasi-") as folder:
        for scenario in scenarios or homeostasis.available_scenarios():
            for tool in ("libroadrunner", "COPASI"):
                load, run, error, name = measure(scenario, tool, folder, scaled)
                print(f"| `{scenario}` | {tool} | {load:.2f} | {run:.3f} | {error:.1e} | `{name}` |", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
