"""Figures: time courses with reference ranges, measured data and intervention markers."""

from .time_courses import RANGE_LABEL, TIME_LABEL, check_figure_path, plot_time_courses, save_figure

__all__ = ["RANGE_LABEL", "TIME_LABEL", "check_figure_path", "plot_time_courses", "save_figure"]
