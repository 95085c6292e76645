"""Bad inputs to the Python API: each must raise one of the named exceptions.

``CASES`` holds ``(id, source, expected_exception_names, note)``. ``source`` is a Python
expression evaluated with ``homeostasis`` (with ``homeostasis.compare`` and
``homeostasis.plotting`` imported), ``np``, ``pd`` and ``tmp`` (a fresh temporary folder, as a
str) in scope. An exception name is looked up in ``homeostasis``, ``homeostasis.errors``, the
builtins or ``homeostasis.fitting.data``. Returning a value (NaN, an empty table, garbage)
instead of raising is a failure; so are AttributeError, KeyError from deep inside, IndexError
and any other exception type not listed.
"""

H = ("HomeostasisError",)
HV = ("HomeostasisError", "ValueError")
HT = ("HomeostasisError", "TypeError")
HTV = ("HomeostasisError", "TypeError", "ValueError")

SIM = "homeostasis.simulate"
SS = "homeostasis.steady_state"
PS = "homeostasis.ParameterSet.default().with_values"
FIT = "homeostasis.fit"
SBML = "homeostasis.to_sbml"
RC = "homeostasis.compare.run_comparison"
PLOT = "homeostasis.plotting.plot_time_courses"
FRAME = "homeostasis.simulate('healthy', days=1).to_frame()"
# a small valid fit table (2 variables, with sd); cases change one thing
GOOD = ("pd.DataFrame({'time_days': [0.0, 1.0, 2.0, 3.0], 'variable': ['ca_total', 'ca_total', 'pth', 'pth'], "
        "'value': [2.4, 2.41, 3.5, 3.4], 'sd': [0.05, 0.05, 0.3, 0.3]})")


NAN_FIRST = "[float('nan'), 2.41, 3.5, 3.4]"
NA_FIRST = "pd.array([pd.NA, 2.41, 3.5, 3.4], dtype='Float64')"
INF_SECOND = "[0.0, float('inf'), 2.0, 3.0]"
SD_NAN_FIRST = "[float('nan'), 0.05, 0.3, 0.3]"


def fit_data(**columns):
    """Source of a fit table: GOOD with some columns replaced (None drops a column)."""
    base = {"time_days": "[0.0, 1.0, 2.0, 3.0]", "variable": "['ca_total', 'ca_total', 'pth', 'pth']",
            "value": "[2.4, 2.41, 3.5, 3.4]", "sd": "[0.05, 0.05, 0.3, 0.3]"}
    base.update(columns)
    return "pd.DataFrame({" + ", ".join(f"'{k}': {v}" for k, v in base.items() if v is not None) + "})"


CASES = [
    # --- simulate: scenario ---------------------------------------------------------------------
    ("simulate-unknown-scenario", f"{SIM}('healthyy', days=1)", H, "typo"),
    ("simulate-empty-scenario", f"{SIM}('', days=1)", H, "empty name"),
    ("simulate-scenario-none", f"{SIM}(None, days=1)", HT, "None as scenario"),
    ("simulate-scenario-int", f"{SIM}(42, days=1)", HT, "int as scenario"),
    ("simulate-scenario-list", f"{SIM}(['healthy'], days=1)", HT, "list as scenario"),
    ("simulate-missing-scenario-file", f"{SIM}(tmp + '/missing.py', days=1)", H, "file does not exist"),
    ("simulate-scenario-changes-list",
     f"{SIM}(homeostasis.Scenario('x', 'Changes list.', changes=lambda knobs: [1, 2]), days=1)", HT,
     "changes() returns a list"),
    ("simulate-scenario-changes-none",
     f"{SIM}(homeostasis.Scenario('x', 'Changes None.', changes=lambda knobs: None), days=1)", HT,
     "changes() returns None"),
    ("simulate-scenario-initial-list",
     f"{SIM}(homeostasis.Scenario('x', 'Initial list.', seeds=lambda knobs: [1.0]), days=1)", HT,
     "initial() returns a list"),
    ("simulate-scenario-knobs-strings",
     f"{SIM}(homeostasis.Scenario('x', 'Knobs strings.', knobs=('a',)), days=1, parameters={{'a': 1}})", HT,
     "knobs are not Knob objects"),
    ("simulate-scenario-knob-default-out-of-bounds",
     f"{SIM}(homeostasis.Scenario('x', 'Bad knob.', knobs=(homeostasis.Knob('a', 5.0, '1', 0.0, 1.0, 'a'),), "
     f"changes=lambda k: {{}}), days=1)", HV, "knob default outside its own bounds"),
    # --- simulate: days / step / times ----------------------------------------------------------
    ("simulate-days-zero", f"{SIM}('healthy', days=0)", HV, "zero"),
    ("simulate-days-negative", f"{SIM}('healthy', days=-1)", HV, "negative"),
    ("simulate-days-nan", f"{SIM}('healthy', days=float('nan'))", HV, "NaN"),
    ("simulate-days-inf", f"{SIM}('healthy', days=float('inf'))", HV, "inf"),
    ("simulate-days-text", f"{SIM}('healthy', days='abc')", HTV, "text"),
    ("simulate-days-list", f"{SIM}('healthy', days=[1])", HTV, "list"),
    ("simulate-days-pd-na", f"{SIM}('healthy', days=pd.NA)", HTV, "pandas NA"),
    ("simulate-days-complex", f"{SIM}('healthy', days=1j)", HTV, "complex"),
    ("simulate-days-bool", f"{SIM}('healthy', days=True)", HTV, "a bool is not a number of days"),
    ("simulate-days-huge", f"{SIM}('healthy', days=1e300)", HV, "1e300 days"),
    ("simulate-step-zero", f"{SIM}('healthy', days=1, step=0)", HV, "zero"),
    ("simulate-step-negative", f"{SIM}('healthy', days=1, step=-0.1)", HV, "negative"),
    ("simulate-step-nan", f"{SIM}('healthy', days=1, step=float('nan'))", HV, "NaN"),
    ("simulate-step-longer-than-days", f"{SIM}('healthy', days=1, step=2)", HV, "step > days"),
    ("simulate-step-tiny", f"{SIM}('healthy', days=1, step=1e-9)", HV, "1e9 output points"),
    ("simulate-step-text", f"{SIM}('healthy', days=1, step='x')", HTV, "text"),
    ("simulate-times-one", f"{SIM}('healthy', times=[1])", HV, "one time"),
    ("simulate-times-empty", f"{SIM}('healthy', times=[])", HV, "no times"),
    ("simulate-times-decreasing", f"{SIM}('healthy', times=[2, 1])", HV, "decreasing"),
    ("simulate-times-repeated", f"{SIM}('healthy', times=[0, 1, 1])", HV, "repeated"),
    ("simulate-times-nan", f"{SIM}('healthy', times=[0, float('nan')])", HV, "NaN"),
    ("simulate-times-negative", f"{SIM}('healthy', times=[-1, 1])", HV, "negative"),
    ("simulate-times-text", f"{SIM}('healthy', times='abc')", HTV, "a str"),
    ("simulate-times-2d", f"{SIM}('healthy', times=[[0, 1], [2, 3]])", HV, "2-D times are flattened silently"),
    ("simulate-times-pd-na", f"{SIM}('healthy', times=pd.array([0.0, pd.NA], dtype='Float64'))", HTV, "pandas NA"),
    ("simulate-times-and-days", f"{SIM}('healthy', days=5, times=[0, 1])", HTV, "days ignored silently when times given"),
    # --- simulate: parameters -------------------------------------------------------------------
    ("simulate-parameters-str", f"{SIM}('healthy', days=1, parameters='gfr=30')", HT, "a str, not a dict"),
    ("simulate-parameters-list", f"{SIM}('healthy', days=1, parameters=['gfr', 30])", HT, "a list"),
    ("simulate-parameters-pairs", f"{SIM}('healthy', days=1, parameters=[('gfr', 30)])", HT, "list of pairs"),
    ("simulate-parameters-int", f"{SIM}('healthy', days=1, parameters=30)", HT, "an int"),
    ("simulate-parameter-unknown", f"{SIM}('healthy', days=1, parameters={{'gfrr': 30}})", H, "unknown"),
    ("simulate-parameter-nan", f"{SIM}('healthy', days=1, parameters={{'gfr': float('nan')}})", HV, "NaN"),
    ("simulate-parameter-inf", f"{SIM}('healthy', days=1, parameters={{'gfr': float('inf')}})", HV, "inf"),
    ("simulate-parameter-none", f"{SIM}('healthy', days=1, parameters={{'gfr': None}})", HTV, "None"),
    ("simulate-parameter-text", f"{SIM}('healthy', days=1, parameters={{'gfr': 'abc'}})", HTV, "text"),
    ("simulate-parameter-pd-na", f"{SIM}('healthy', days=1, parameters={{'gfr': pd.NA}})", HTV, "pandas NA"),
    ("simulate-parameter-negative", f"{SIM}('healthy', days=1, parameters={{'gfr': -1}})", HV, "below bound"),
    ("simulate-parameter-huge", f"{SIM}('healthy', days=1, parameters={{'gfr': 1e300}})", HV, "above bound"),
    ("simulate-parameter-list-value", f"{SIM}('healthy', days=1, parameters={{'gfr': [30]}})", HTV, "list value"),
    ("simulate-parameter-array-value", f"{SIM}('healthy', days=1, parameters={{'gfr': np.array([30.0, 40.0])}})", HTV, "array value"),
    ("simulate-parameter-constant", f"{SIM}('healthy', days=1, parameters={{'ml_per_min_to_l_per_day': 2}})", HV, "constant"),
    ("simulate-parameter-int-key", f"{SIM}('healthy', days=1, parameters={{1: 2}})", HT, "non-str name"),
    ("simulate-knob-of-other-scenario", f"{SIM}('healthy', days=1, parameters={{'size': 2}})", H, "adenoma knob on healthy"),
    ("simulate-knob-out-of-bounds", f"{SIM}('parathyroid-adenoma', days=1, parameters={{'size': 100}})", HV, "knob above bound"),
    ("simulate-knob-text", f"{SIM}('parathyroid-adenoma', days=1, parameters={{'size': 'big'}})", HTV, "knob text"),
    ("simulate-knob-none", f"{SIM}('ckd', days=1, parameters={{'years': None}})", HTV, "knob None"),
    # --- simulate: interventions ----------------------------------------------------------------
    ("simulate-interventions-int", f"{SIM}('healthy', days=1, interventions=5)", HT, "an int"),
    ("simulate-intervention-unknown", f"{SIM}('healthy', days=1, interventions=['bogus@0.5'])", H, "unknown"),
    ("simulate-intervention-bad-day", f"{SIM}('healthy', days=1, interventions=['cinacalcet@x'])", HV, "day text"),
    ("simulate-intervention-negative-day", f"{SIM}('healthy', days=1, interventions=['cinacalcet@-1'])", HV, "negative day"),
    ("simulate-intervention-bad-option", f"{SIM}('healthy', days=1, interventions=['cinacalcet@0:dose=5'])", H, "unknown option"),
    ("simulate-intervention-option-out-of-bounds", f"{SIM}('healthy', days=1, interventions=['cinacalcet@0:dose_mg=-5'])", HV, "negative dose"),
    ("simulate-intervention-none-item", f"{SIM}('healthy', days=1, interventions=[None])", HT, "None item"),
    ("simulate-intervention-tuple-options-str", f"{SIM}('healthy', days=1, interventions=[('cinacalcet', 0, 'dose_mg=30')])", HT,
     "options as a str"),
    ("simulate-intervention-tuple-empty", f"{SIM}('healthy', days=1, interventions=[()])", HT, "empty tuple"),
    ("simulate-intervention-dict-item", f"{SIM}('healthy', days=1, interventions=[{{'name': 'cinacalcet', 'day': 0}}])", HT,
     "a dict item"),
    ("simulate-intervention-days-huge", f"{SIM}('healthy', days=1, interventions=['cinacalcet@0:every_hours=1,days=1e9'])", HV,
     "days option above 36525"),
    # --- simulate: start / initial / rtol -------------------------------------------------------
    ("simulate-start-unknown", f"{SIM}('healthy', days=1, start='sick')", HV, "unknown start"),
    ("simulate-start-none", f"{SIM}('healthy', days=1, start=None)", HTV, "None"),
    ("simulate-initial-list", f"{SIM}('healthy', days=1, initial_amounts=[1, 2])", HT, "a list, not a dict"),
    ("simulate-initial-str", f"{SIM}('healthy', days=1, initial_amounts='ca_ecf=30')", HT, "a str"),
    ("simulate-initial-unknown", f"{SIM}('healthy', days=1, initial_amounts={{'bogus': 1}})", H, "unknown state"),
    ("simulate-initial-observable", f"{SIM}('healthy', days=1, initial_amounts={{'pth': 1}})", H, "an observable, not a state"),
    ("simulate-initial-negative", f"{SIM}('healthy', days=1, initial_amounts={{'ca_ecf': -1}})", HV, "negative amount"),
    ("simulate-initial-nan", f"{SIM}('healthy', days=1, initial_amounts={{'ca_ecf': float('nan')}})", HV, "NaN"),
    ("simulate-initial-text", f"{SIM}('healthy', days=1, initial_amounts={{'ca_ecf': 'x'}})", HTV, "text"),
    ("simulate-rtol-nan", f"{SIM}('healthy', days=1, rtol=float('nan'))", HV, "NaN"),
    ("simulate-rtol-inf", f"{SIM}('healthy', days=1, rtol=float('inf'))", HV, "inf"),
    ("simulate-rtol-ten", f"{SIM}('healthy', days=1, rtol=10)", HV, "rtol 10 is meaningless"),
    ("simulate-rtol-one", f"{SIM}('healthy', days=1, rtol=1)", HV, "rtol 1 is meaningless"),
    ("simulate-rtol-zero", f"{SIM}('healthy', days=1, rtol=0)", HV, "zero"),
    ("simulate-rtol-negative", f"{SIM}('healthy', days=1, rtol=-1e-8)", HV, "negative"),
    ("simulate-rtol-text", f"{SIM}('healthy', days=1, rtol='tight')", HTV, "text"),
    ("simulate-rtol-none", f"{SIM}('healthy', days=1, rtol=None)", HTV, "None"),
    ("simulate-rtol-list", f"{SIM}('healthy', days=1, rtol=[1e-8])", HTV, "a list"),
    ("simulate-unknown-keyword", f"{SIM}('healthy', days=1, dayz=3)", ("TypeError",), "unknown keyword"),
    # --- results ---------------------------------------------------------------------------------
    ("result-unknown-variable", f"{SIM}('healthy', days=1)['pthh']", H, "unknown variable"),
    ("result-unit-unknown", f"{SIM}('healthy', days=1).unit('bogus')", H, "unknown variable"),
    ("result-to-frame-unknown", f"{SIM}('healthy', days=1).to_frame(['bogus'])", H, "unknown variable"),
    ("result-to-frame-str", f"{SIM}('healthy', days=1).to_frame('pth')", HT, "a str is split into characters"),
    # --- steady_state --------------------------------------------------------------------------
    ("steady-unknown-scenario", f"{SS}('healthyy')", H, "unknown"),
    ("steady-parameters-str", f"{SS}('healthy', parameters='gfr=30')", HT, "a str"),
    ("steady-parameter-nan", f"{SS}('healthy', parameters={{'gfr': float('nan')}})", HV, "NaN"),
    ("steady-parameter-unknown", f"{SS}('healthy', parameters={{'gfrr': 30}})", H, "unknown"),
    ("steady-parameter-none", f"{SS}('healthy', parameters={{'gfr': None}})", HTV, "None"),
    ("steady-parameter-out-of-bounds", f"{SS}('healthy', parameters={{'gfr': 0}})", HV, "below bound"),
    ("steady-knob-out-of-bounds", f"{SS}('ckd', parameters={{'gfr_final': 0}})", HV, "knob below bound"),
    ("steady-scenario-changes-list",
     f"{SS}(homeostasis.Scenario('x', 'Changes list.', changes=lambda knobs: [1, 2]))", HT, "changes() returns a list"),
    ("steady-scenario-guess-list",
     f"{SS}(homeostasis.Scenario('x', 'Guess list.', steady_guess=lambda knobs: [1.0]))", HT, "steady_guess() returns a list"),
    ("steady-missing-file", f"{SS}(tmp + '/missing.py')", H, "file does not exist"),
    # --- ParameterSet -----------------------------------------------------------------------------
    ("parameterset-nan", f"{PS}({{'gfr': float('nan')}})", HV, "NaN"),
    ("parameterset-unknown", f"{PS}({{'gfrr': 1}})", H, "unknown"),
    ("parameterset-none", f"{PS}({{'gfr': None}})", HTV, "None"),
    ("parameterset-text", f"{PS}({{'gfr': 'x'}})", HTV, "text"),
    ("parameterset-negative", f"{PS}({{'gfr': -1}})", HV, "below bound"),
    ("parameterset-str", f"{PS}('gfr=30')", HT, "a str"),
    ("parameterset-pairs", f"{PS}([('gfr', 30)])", HT, "list of pairs"),
    ("parameterset-pd-na", f"{PS}(gfr=pd.NA)", HTV, "pandas NA"),
    ("parameterset-complex", f"{PS}({{'gfr': 1 + 2j}})", HTV, "complex"),
    ("parameterset-constant", f"{PS}({{'ml_per_min_to_l_per_day': 1.44}})", HV, "constant, even at its own value"),
    ("parameterset-getitem-unknown", "homeostasis.ParameterSet.default()['gfrr']", H, "unknown"),
    # --- fit ---------------------------------------------------------------------------------------
    ("fit-empty-frame", f"{FIT}(pd.DataFrame(), estimate=['reference_pth'])", HV, "no columns"),
    ("fit-data-none", f"{FIT}(None, estimate=['reference_pth'])", HTV, "None"),
    ("fit-data-int", f"{FIT}(42, estimate=['reference_pth'])", HTV, "an int"),
    ("fit-data-missing-file", f"{FIT}(tmp + '/missing.csv', estimate=['reference_pth'])", HV, "missing file"),
    ("fit-data-missing-value-column", f"{FIT}({fit_data(value=None)}, estimate=['reference_pth'])", HV, "no value column"),
    ("fit-data-header-only", f"{FIT}(pd.DataFrame(columns=['time_days', 'variable', 'value']), estimate=['reference_pth'])", HV, "no rows"),
    ("fit-data-unknown-variable", f"{FIT}({fit_data(variable=repr(['ca_totl', 'ca_total', 'pth', 'pth']))}, estimate=['reference_pth'])", HV, "unknown variable"),
    ("fit-data-variable-none", f"{FIT}({fit_data(variable=repr([None, 'ca_total', 'pth', 'pth']))}, estimate=['reference_pth'])", HV, "missing variable"),
    ("fit-data-negative-time", f"{FIT}({fit_data(time_days='[-1.0, 1.0, 2.0, 3.0]')}, estimate=['reference_pth'])", HV, "negative time"),
    ("fit-data-nan-value", f"{FIT}({fit_data(value=NAN_FIRST)}, estimate=['reference_pth'])", HV, "NaN value"),
    ("fit-data-pd-na-value", f"{FIT}({fit_data(value=NA_FIRST)}, estimate=['reference_pth'])", HV, "pandas NA value"),
    ("fit-data-text-value", f"{FIT}({fit_data(value=repr(['high', '2.41', '3.5', '3.4']))}, estimate=['reference_pth'])", HV, "text value"),
    ("fit-data-inf-time", f"{FIT}({fit_data(time_days=INF_SECOND)}, estimate=['reference_pth'])", HV, "infinite time"),
    ("fit-data-zero-sd", f"{FIT}({fit_data(sd='[0.0, 0.05, 0.3, 0.3]')}, estimate=['reference_pth'])", HV, "sd 0"),
    ("fit-data-negative-sd", f"{FIT}({fit_data(sd='[-0.05, 0.05, 0.3, 0.3]')}, estimate=['reference_pth'])", HV, "negative sd"),
    ("fit-data-partial-sd", f"{FIT}({fit_data(sd=SD_NAN_FIRST)}, estimate=['reference_pth'])", HV, "sd missing in one row"),
    ("fit-data-bad-unit", f"{FIT}({GOOD}.assign(unit='mg/dL'), estimate=['reference_pth'])", HV, "wrong unit"),
    ("fit-data-empty-label", f"{FIT}({GOOD}.assign(scenario=['', 'a', 'a', 'a']), estimate=['reference_pth'])", HV, "empty label"),
    ("fit-estimate-empty", f"{FIT}({GOOD}, estimate=[])", HV, "nothing to estimate"),
    ("fit-estimate-unknown", f"{FIT}({GOOD}, estimate=['reference_pthh'])", H, "unknown"),
    ("fit-estimate-constant", f"{FIT}({GOOD}, estimate=['ml_per_min_to_l_per_day'])", HV, "constant"),
    ("fit-estimate-derived", f"{FIT}({GOOD}, estimate=['ca_transcellular_vmax'])", HV, "derived"),
    ("fit-estimate-duplicate", f"{FIT}({GOOD}, estimate=['reference_pth', 'reference_pth'])", HV, "same name twice"),
    ("fit-estimate-int", f"{FIT}({GOOD}, estimate=42)", HT, "an int"),
    ("fit-estimate-none", f"{FIT}({GOOD}, estimate=None)", HT, "None"),
    ("fit-multistart-negative", f"{FIT}({GOOD}, estimate=['reference_pth'], multistart=-1)", HV, "negative"),
    ("fit-multistart-nan", f"{FIT}({GOOD}, estimate=['reference_pth'], multistart=float('nan'))", HV, "NaN"),
    ("fit-multistart-fraction", f"{FIT}({GOOD}, estimate=['reference_pth'], multistart=0.5, profile_intervals=False)", HTV,
     "0.5 starts is truncated silently"),
    ("fit-seed-negative", f"{FIT}({GOOD}, estimate=['reference_pth'], seed=-1)", HV, "negative seed"),
    ("fit-seed-text", f"{FIT}({GOOD}, estimate=['reference_pth'], seed='abc')", HTV, "text seed"),
    ("fit-gradient-unknown", f"{FIT}({GOOD}, estimate=['reference_pth'], gradient='bogus')", HV, "unknown gradient"),
    ("fit-scenario-unknown", f"{FIT}({GOOD}, estimate=['reference_pth'], scenario='healthyy')", H, "unknown scenario"),
    ("fit-start-unknown", f"{FIT}({GOOD}, estimate=['reference_pth'], start='sick')", HV, "unknown start"),
    ("fit-intervention-unknown", f"{FIT}({GOOD}, estimate=['reference_pth'], interventions=['bogus@1'])", H, "unknown intervention"),
    ("fit-individual-unknown", f"{FIT}({GOOD}, estimate=['reference_pth'], individual=['bogus'])", HV, "not estimated"),
    ("fit-rtol-nan", f"{FIT}({GOOD}, estimate=['reference_pth'], rtol=float('nan'))", HV, "NaN rtol"),
    ("fit-max-evaluations-zero", f"{FIT}({GOOD}, estimate=['reference_pth'], max_evaluations=0)", HV, "no evaluations"),
    ("fit-parameters-str", f"{FIT}({GOOD}, estimate=['reference_pth'], parameters='gfr=30')", HT, "a str"),
    ("fit-initial-out-of-bounds", f"{FIT}({GOOD}, estimate=['reference_pth'], start_values={{'reference_pth': 100}})", HV, "start outside bounds"),
    # --- to_sbml ----------------------------------------------------------------------------------
    ("sbml-unknown-scenario", f"{SBML}('healthyy')", H, "unknown"),
    ("sbml-parameter-nan", f"{SBML}('healthy', parameters={{'gfr': float('nan')}})", HV, "NaN"),
    ("sbml-parameters-str", f"{SBML}('healthy', parameters='gfr=3')", HT, "a str"),
    ("sbml-start-unknown", f"{SBML}('healthy', start='sick')", HV, "unknown start"),
    ("sbml-days-zero", f"{SBML}('healthy', days=0)", HV, "zero"),
    ("sbml-days-nan", f"{SBML}('healthy', days=float('nan'))", HV, "NaN"),
    ("sbml-days-text", f"{SBML}('healthy', days='x')", HTV, "text"),
    ("sbml-intervention-unknown", f"{SBML}('healthy', interventions=['bogus@1'])", H, "unknown intervention"),
    ("sbml-scaled-text", f"{SBML}('healthy', scaled='yes')", HV, "True or False"),
    ("sbml-shared-none", f"{SBML}('healthy', shared=None)", HV, "True or False"),
    ("sbml-description-none", f"{SBML}(homeostasis.Scenario('x', None))", HT, "description None"),
    # --- compare -----------------------------------------------------------------------------------
    ("compare-no-specs", f"{RC}([], days=1)", HV, "empty"),
    ("compare-specs-none", f"{RC}(None, days=1)", HTV, "None"),
    ("compare-specs-int", f"{RC}(42, days=1)", HT, "an int"),
    ("compare-unknown-scenario", f"{RC}(['healthyy'], days=1)", H, "unknown"),
    ("compare-spec-non-numeric", f"{RC}(['ckd:gfr_final=abc'], days=1)", HV, "not a number"),
    ("compare-spec-no-equals", f"{RC}(['ckd:gfr_final'], days=1)", H, "no '='"),
    ("compare-duplicate-labels", f"{RC}(['healthy', 'healthy'], days=1)", H, "duplicate labels"),
    ("compare-variables-unknown", f"{RC}(['healthy'], days=1, variables=['bogus'])", H, "unknown variable"),
    ("compare-variables-empty", f"{RC}(['healthy'], days=1, variables=[])", H, "no variables"),
    ("compare-units-unknown", f"{RC}(['healthy'], days=1, units='imperial')", HV, "unknown unit system"),
    ("compare-start-unknown", f"{RC}(['healthy'], days=1, start='sick')", HV, "unknown start"),
    ("compare-days-zero", f"{RC}(['healthy'], days=0)", HV, "zero"),
    ("compare-rtol-nan", f"{RC}(['healthy'], days=1, rtol=float('nan'))", HV, "NaN rtol"),
    ("compare-parameters-str", f"{RC}(['healthy'], days=1, parameters='gfr=3')", HT, "a str"),
    ("compare-spec-settings-str", f"{RC}([homeostasis.compare.ScenarioSpec('healthy', settings='gfr=3')], days=1)", HT,
     "settings as a str"),
    ("compare-spec-settings-text-value", f"{RC}([homeostasis.compare.ScenarioSpec('healthy', settings={{'gfr': 'x'}})], days=1)", HTV,
     "setting value text"),
    ("compare-steady-states-unknown", "homeostasis.compare.steady_states(['healthyy'])", H, "unknown"),
    ("compare-steady-states-variable", "homeostasis.compare.steady_states(['healthy'], variables=['bogus'])", H, "unknown variable"),
    ("compare-concat-empty", "homeostasis.compare.concat_frames([])", H, "nothing"),
    ("compare-concat-none", "homeostasis.compare.concat_frames(None)", HT, "None"),
    ("compare-concat-int", "homeostasis.compare.concat_frames({'a': 42})", HT, "not a frame"),
    ("compare-summary-empty", "homeostasis.compare.summary_table(pd.DataFrame())", HV, "empty frame"),
    ("compare-summary-int", "homeostasis.compare.summary_table(42)", HT, "not a frame"),
    # --- plotting ---------------------------------------------------------------------------------
    ("plot-empty-frame", f"{PLOT}(pd.DataFrame())", HV, "no columns"),
    ("plot-empty-rows", f"{PLOT}({FRAME}.iloc[0:0])", HV, "no rows"),
    ("plot-none", f"{PLOT}(None)", HT, "None"),
    ("plot-str", f"{PLOT}('frame.csv')", HT, "a path"),
    ("plot-missing-column", f"{PLOT}({FRAME}.drop(columns='unit'))", HV, "no unit column"),
    ("plot-unknown-variable", f"{PLOT}({FRAME}, variables=['bogus'])", H, "unknown variable"),
    ("plot-variables-empty", f"{PLOT}({FRAME}, variables=[])", H, "no variables"),
    ("plot-units-unknown", f"{PLOT}({FRAME}, variables=['pth'], units='imperial')", HV, "unknown unit system"),
    ("plot-log-time-day-zero-only", f"{PLOT}({FRAME}.query('time_days == 0'), variables=['pth'], log_time=True)", H, "nothing after day 0"),
    ("plot-text-values", f"{PLOT}({FRAME}.astype({{'value': str}}), variables=['pth'])", HTV, "values as text"),
    ("plot-nan-values", f"{PLOT}({FRAME}.assign(value=float('nan')), variables=['pth'])", HV, "every value NaN: an empty figure"),
    ("plot-axes-wrong-count", f"{PLOT}({FRAME}, variables=['pth', 'ca_total'], axes=[])", H, "axes count"),
    ("plot-measured-missing-columns", f"{PLOT}({FRAME}, variables=['pth'], measured=pd.DataFrame({{'x': [1]}}))", HV, "measured columns"),
    ("plot-measured-bad-unit",
     f"{PLOT}({FRAME}, variables=['pth'], measured=pd.DataFrame({{'scenario': ['healthy'], 'time_days': [0.5], "
     f"'variable': ['pth'], 'value': [3.5], 'unit': ['furlong']}}))", HV, "measured unit not convertible"),
    ("plot-interventions-bad", f"{PLOT}({FRAME}, variables=['pth'], interventions=['no day'])", HV, "bad intervention marker"),
    ("save-figure-xyz", "homeostasis.plotting.save_figure(None, tmp + '/x.xyz')", HTV, "unsupported format"),
    ("save-figure-none", "homeostasis.plotting.save_figure(None, tmp + '/x.png')", HT, "None is not a figure"),
    ("save-figure-pgf", f"homeostasis.plotting.save_figure({PLOT}({FRAME}, variables=['pth']), tmp + '/x.pgf')", HV,
     "pgf needs LaTeX"),
    # --- scenarios, interventions, calcinosis -------------------------------------------------------
    ("load-scenario-none", "homeostasis.load_scenario(None)", HT, "None"),
    ("load-scenario-missing-file", "homeostasis.load_scenario(tmp + '/missing.py')", H, "missing file"),
    ("parse-intervention-none", "homeostasis.protocol.parse_intervention(None)", HT, "None"),
    ("parse-intervention-malformed", "homeostasis.protocol.parse_intervention('cinacalcet')", H, "no @DAY"),
    ("saturation-negative-calcium", "homeostasis.saturation.saturation_indices(-1.0, 1.1, 7.4)", HV, "log of a negative: NaN silently"),
    ("saturation-nan-ph", "homeostasis.saturation.saturation_indices(1.2, 1.1, float('nan'))", HV, "NaN pH: NaN silently"),
    ("saturation-text", "homeostasis.saturation.saturation_indices('high', 1.1, 7.4)", HTV, "text"),
    ("calcification-flag-nan", "homeostasis.saturation.calcification_flag(float('nan'))", HV, "NaN product: '' silently"),
    ("calcification-flag-text", "homeostasis.saturation.calcification_flag('high')", HT, "text"),
    ("calcification-flag-negative", "homeostasis.saturation.calcification_flag(-1.0)", HV, "negative product"),
]
