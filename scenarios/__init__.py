"""Named scenarios. Each module defines ``SCENARIO = homeostasis.Scenario(...)``."""
