"""``homeostasis validate``: run the atlas from the command line, one line per experiment.

:func:`add_parsers` registers the command on the main parser's subparsers; :func:`run` does the
work and returns the exit status (0 when no experiment fails or errs; missing mechanisms are
known gaps, listed but not failures).
"""

from __future__ import annotations

import math

from ..atlas.records import MECHANISMS, SPLITS


def add_parsers(subparsers):
    """Add ``validate`` to an argparse subparsers object; returns the new parser."""
    command = subparsers.add_parser(
        "validate", help="rerun the published experiments of the validation atlas and score the model",
        description="Run the validation atlas: each published experiment through the model, scored by its rule.")
    command.add_argument("--only", metavar="ID[,ID...]", help="only these experiments")
    command.add_argument("--tag", metavar="MECHANISM", help=f"only experiments tagged so ({', '.join(MECHANISMS)})")
    command.add_argument("--split", choices=SPLITS, help="only the calibration or the holdout experiments")
    command.add_argument("--report", metavar="DIR", help="write index.md, index.html and figures/ to DIR")
    command.add_argument("--force", action="store_true", help="overwrite an existing report directory")
    command.add_argument("--records", dest="directory", metavar="DIR",
                         help="read the records from DIR instead of the packaged atlas")
    command.set_defaults(handler=run)
    return command


def run(args) -> int:
    """Validate, print one line per experiment and the score; write the report if asked."""
    from ..atlas.runner import experiment_table, validate, without_attrs

    frame = validate(only=getattr(args, "only", None), tag=getattr(args, "tag", None),
                     split=getattr(args, "split", None), directory=getattr(args, "directory", None))
    experiments = experiment_table(frame)
    for _, rows in without_attrs(frame).groupby("id", sort=False):
        print(experiment_line(rows))
    if getattr(args, "report", None):
        from ..atlas.report import write_report

        path = write_report(frame, args.report, force=bool(getattr(args, "force", False)))
        print(f"report: {path}")
    print(f"atlas: {int(experiments['passed'].sum())}/{len(experiments)} experiments pass")
    failing = experiments["status"].str.startswith(("FAIL", "error"))
    return 1 if bool(failing.any()) else 0


def experiment_line(rows) -> str:
    """``ok   <id>  <variable>: model X vs measured Y unit`` for the worst row of one experiment."""
    status = rows["status"].iloc[0]
    experiment_id = rows["id"].iloc[0]
    if status.startswith(("missing", "error")):
        word, _, detail = status.partition(": ")
        return f"{word:<7} {experiment_id}  {detail}"
    row = rows.loc[_worst(rows)]
    return (f"{status:<7} {experiment_id}  {row['variable']}: model {row['model']:.4g} vs measured "
            f"{_published(row)} {row['unit']} (day {row['time_days']:.4g})")


def _worst(rows):
    """The failing row furthest from its measurement, in units of its SEM (else the first row)."""
    failing = rows[~rows["passed"]]
    if failing.empty:
        return rows.index[0]
    spread = failing["spread"].where(failing["spread"] > 0, 1.0)
    return ((failing["model"] - failing["measured"]).abs() / spread).fillna(math.inf).idxmax()


def _published(row) -> str:
    if row["rule"] == "band":
        return f"[{row['low']:.4g}, {row['high']:.4g}]"
    spread = f" \u00b1 {row['spread']:.2g}" if row["spread"] > 0 else ""
    return f"{row['measured']:.4g}{spread}"
