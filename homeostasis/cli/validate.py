"""``homeostasis validate``: run the atlas from the command line, one line per experiment.

:func:`add_parsers` registers the command on the main parser's subparsers; :func:`run` does the
work and returns the exit status (0 when no experiment fails or errs; missing mechanisms are
known gaps, listed but not failures).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

from ..atlas.records import MECHANISMS, SPLITS, extreme_kind
from ..errors import HomeostasisError
from .options import add_set_option, name_value_pairs, parse_settings


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
    command.add_argument("--peer", metavar="NAME",
                         help="side by side with another model's published results on the same records "
                              "(openbonemin): measured, this package, the peer, and which is closer")
    command.set_defaults(handler=run)
    _add_calibrate_parser(subparsers)
    return command


def _add_calibrate_parser(subparsers) -> None:
    command = subparsers.add_parser(
        "calibrate", help="fit response-shape parameters jointly to many atlas experiments",
        description="Fit parameters to the calibration split of the atlas (held-back experiments stay out; "
                    "--split all fits both).")
    command.add_argument("--estimate", metavar="NAME[,NAME...]", help="parameters to fit (default: about 20 "
                                                                     "response-shape parameters)")
    command.add_argument("--experiments", metavar="ID[,ID...]", help="only these experiments")
    command.add_argument("--tag", metavar="MECHANISM", help="only experiments tagged so")
    command.add_argument("--split", choices=(*SPLITS, "all"), default="calibration",
                         help="split to fit (default calibration; all: both)")
    command.add_argument("--multistart", type=int, default=0, metavar="N", help="extra Latin-hypercube starts")
    command.add_argument("--seed", type=int, default=0, help="seed of the extra starts")
    command.add_argument("--max-evaluations", type=int, default=15, metavar="N",
                         help="least-squares iterations per start (default 15)")
    command.add_argument("--out", metavar="DIR", required=True,
                         help="write estimates.json, residuals.csv, scores.csv and parameters.csv there")
    command.add_argument("--force", action="store_true", help="replace the files of an existing DIR")
    command.add_argument("--records", dest="directory", metavar="DIR", help="records outside the package")
    command.add_argument("--workers", type=int, metavar="N",
                         help="processes of the local Dask cluster (default: cores; 1 runs in this process)")
    command.add_argument("--scheduler", metavar="ADDRESS", help="an existing Dask scheduler")
    command.add_argument("--prior-factor", type=float, default=2.0, metavar="F",
                         help="keep each parameter within about a factor F of its sourced value (log-normal "
                              "prior; default 2; 0 for none)")
    command.add_argument("--prior-width", metavar="NAME=W[,NAME=W...]",
                         help="relative one-SD prior width of these estimated parameters instead of --prior-factor "
                              "(W above 0; 0.2 = 20 %%, i.e. a factor 1.2 either way)")
    add_set_option(command, "model parameter value in every run; an estimated parameter is fitted from it and "
                            "its prior is centred on it (repeatable)")
    command.add_argument("--loss", default="linear", choices=("linear", "soft_l1", "huber", "cauchy", "arctan"),
                         help="linear (least squares, default) or a robust loss that counts rows beyond their "
                              "acceptance rule less than their square")
    command.set_defaults(handler=run_calibrate)


def run_calibrate(args) -> int:
    """Calibrate, print the estimates and the scores, and write the results.

    Every evaluated point goes to ``DIR/checkpoint.json`` as it finishes: the same command run
    again on an interrupted ``DIR`` resumes without re-running them.
    """
    from ..atlas.calibrate import calibrate

    for name in ("multistart", "seed", "max_evaluations"):
        if getattr(args, name) < (1 if name == "max_evaluations" else 0):
            raise HomeostasisError(f"--{name.replace('_', '-')}: expected a non-negative integer, got {getattr(args, name)}")
    out = _calibration_folder(args)
    estimate = None if args.estimate is None else [n.strip() for n in args.estimate.split(",") if n.strip()]
    split = None if args.split == "all" else args.split
    result = calibrate(estimate=estimate, experiments=args.experiments, tag=args.tag, split=split,
                       multistart=args.multistart, seed=args.seed, max_evaluations=args.max_evaluations,
                       directory=args.directory, parameters=parse_settings(args.set), workers=args.workers,
                       scheduler=args.scheduler, checkpoint=out / CHECKPOINT, progress=_calibration_progress(),
                       prior_factor=args.prior_factor or None, prior_widths=prior_widths(args.prior_width),
                       loss=args.loss)
    print(result.summary().to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print(f"objective {result.objective_before:.4g} -> {result.objective_after:.4g} over {len(result.experiments)} "
          f"experiments in {result.seconds:.0f} s")
    for row in result.scores.itertuples():
        print(f"{row.when:<6} {row.split:<11} {row.passed}/{row.total} experiments pass")
    result.write(out, force=True)
    print(f"wrote {out}")
    return 0


CHECKPOINT = "checkpoint.json"


def prior_widths(text) -> dict | None:
    """``--prior-width "a=0.2,b=0.5"`` to ``{"a": 0.2, "b": 0.5}`` (names and ranges are checked by
    :func:`~homeostasis.atlas.calibrate.calibrate`)."""
    if text is None:
        return None
    return name_value_pairs(text.split(","), "--prior-width", _relative_width, value_label="W[,NAME=W...]")


def _relative_width(name: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise HomeostasisError(f"--prior-width: {name}: expected a relative one-SD width above 0 "
                               f"(0.2 = 20 %), got {text!r}") from None


def _calibration_folder(args) -> Path:
    """``--out``: new, empty, an interrupted calibration's (resumed), or replaced with ``--force``."""
    out = Path(args.out)
    if not out.parent.is_dir():
        raise HomeostasisError(f"--out {out}: folder {str(out.parent)!r} does not exist")
    if out.exists() and not out.is_dir():
        raise HomeostasisError(f"--out {out}: exists and is not a folder")
    contents = {p.name for p in out.iterdir()} if out.exists() else set()
    if args.force:
        (out / CHECKPOINT).unlink(missing_ok=True)
    elif contents and contents != {CHECKPOINT}:
        raise HomeostasisError(f"--out {out}: exists and is not an empty folder; use --force to replace its files")
    if contents == {CHECKPOINT} and not args.force:
        print(f"resuming the calibration in {out} (its {CHECKPOINT} keeps every evaluated point)", file=sys.stderr)
    return out


def _calibration_progress():
    """One line on a terminal per batch of evaluations (nothing in a pipe or a log)."""
    if not sys.stderr.isatty():
        return None

    def show(evaluations, objective, seconds):
        sys.stderr.write(f"\rcalibrate: {evaluations} evaluations, best objective {objective:.5g}, "
                         f"{seconds:.0f} s".ljust(80))
        sys.stderr.flush()
    return show


def run(args) -> int:
    """Validate, print one line per experiment and the score; write the report if asked."""
    from ..atlas.runner import experiment_table, split_line, validate, without_attrs

    if getattr(args, "peer", None):
        return run_peer(args)

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
    if line := split_line(frame, experiments=experiments):  # the table built above, not a second one
        print(line)
    failing = experiments["status"].str.startswith(("FAIL", "error"))
    return 1 if bool(failing.any()) else 0


_NOT_WITH_PEER = ("only", "tag", "split", "report")


def run_peer(args) -> int:
    """``validate --peer NAME``: one line per peer value, then the tally (all, and of the values computed
    by running the peer's release) and the unmatched count."""
    from ..atlas.peer import peer_report, tally

    given = [f"--{name}" for name in _NOT_WITH_PEER if getattr(args, name, None)]
    if given:
        raise HomeostasisError(f"--peer: expected no selection or report options (the peer file chooses the "
                               f"records), got {' '.join(given)}")
    table, peer = peer_report(args.peer, records=getattr(args, "directory", None))
    for row in table.itertuples(index=False):
        print(peer_line(row, peer.name))
    computed = int(table["computed"].astype(bool).sum())
    print(f"{peer.name}: {len(table)} values on atlas records ({len(table) - computed} published, {computed} computed "
          f"by running its release); closer to the data: {_counts(tally(table), peer.name)}; "
          f"{len(peer.unmatched)} results have no atlas record (listed in the peer file)")
    if computed:
        print(f"{peer.name} computed values only: closer to the data: {_counts(tally(table, computed=True), peer.name)}")
    return 0


def _counts(counts: dict, peer: str) -> str:
    return (f"homeostasis {counts.get('homeostasis', 0)}, {peer} {counts.get(peer, 0)}, tie {counts.get('tie', 0)}, "
            f"undecided {counts.get('undecided', 0)}")


def peer_line(row, peer: str) -> str:
    """``<closer>  <id> <variable> day D: measured M, homeostasis X, <peer> Y unit``."""
    measured = (f"{row.measured:.4g}" if math.isfinite(row.measured)
                else f"[{row.low:.4g}, {row.high:.4g}]")
    read = " (read off a figure)" if row.figure_read else " (computed from its release)" if row.computed else ""
    rule = (f"; record's rule: homeostasis {_word(row.homeostasis_passes)}, {peer} {_word(row.peer_passes)}"
            if row.peer_passes is not None else "")
    return (f"{row.closer:<11} {row.experiment} {row.variable} day {row.time_days:.4g}: measured {measured}, "
            f"homeostasis {row.homeostasis:.4g}, {peer} {row.peer:.4g}{read} {row.unit}{rule}")


def _word(passed) -> str:
    return "passes" if passed is True or passed == 1 else "fails"


def experiment_line(rows) -> str:
    """``ok   <id>  <variable>: model X vs measured Y unit`` for the worst row of one experiment."""
    status = rows["status"].iloc[0]
    experiment_id = rows["id"].iloc[0]
    if status.startswith(("missing", "error")):
        word, _, detail = status.partition(": ")
        return f"{word:<7} {experiment_id}  {detail}"
    row = rows.loc[_worst(rows)]
    return (f"{status:<7} {experiment_id}  {row['variable']}: model {row['model']:.4g} vs measured "
            f"{_published(row)} {row['unit']} ({_when(row)})")


def _when(row) -> str:
    """``day 8``, or for a timed collection (``window_days``) ``mean of days 7-8``, or for a
    circadian row ``24-h cosine amplitude over days 7-8`` (or ``acrophase``), or for a peak (nadir) row
    ``maximum of days 0-20`` (``minimum``)."""
    window = row.get("window_days", float("nan"))
    if window == window:  # not NaN
        quantity = str(row.get("quantity", ""))
        what = f"24-h cosine {quantity.split('_')[1]}" if quantity.startswith("cosinor_") else "mean"
        what = extreme_kind(quantity) or what
        return f"{what} of days {row['time_days'] - window:.4g}-{row['time_days']:.4g}"
    return f"day {row['time_days']:.4g}"


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
