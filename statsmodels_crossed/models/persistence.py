"""Pickling of formula models: patsy's DesignInfo objects are rebuilt, not pickled."""
import warnings

import numpy as np
from statsmodels.tools.sm_exceptions import SpecificationWarning

from statsmodels_crossed.formula.frame import build_model_frame


class PicklableFormulaModel:
    """Mixin of CrossedLM and CrossedGLM: ``__getstate__`` / ``__setstate__`` that
    drop the formula's patsy DesignInfo objects and the cached cross-product
    blocks, and rebuild the former from ``data.frame`` when unpickled."""

    #: Names a formula may use when it is re-evaluated after unpickling (the
    #: caller's namespace is not pickled); patsy's own functions are always there.
    _REBUILD_NAMES = {"np": np, "numpy": np}

    def __getstate__(self):
        """Pickle state without patsy's DesignInfo objects (they do not pickle; the
        formula's are rebuilt by :meth:`__setstate__` from ``data.frame``, as
        statsmodels does) and without the cached cross-product blocks (rebuilt from
        the data on first use)."""
        state = self.__dict__.copy()
        state.pop("crossprod", None)
        design = [k for k in ("re_design_infos", "offset_design_infos")
                  if state.get(k) is not None]
        if design or getattr(self.data, "model_spec", None) is not None:
            data = object.__new__(type(self.data))     # statsmodels' own rebuild of
            data.__dict__.update(self.data.__dict__)   # model_spec would read the
            data.__dict__.pop("model_spec", None)      # lme4 terms as patsy
            state["data"] = data
            state.update({k: None for k in design})
            state["_rebuild_design"] = True
        return state

    def __setstate__(self, state):
        rebuild = state.pop("_rebuild_design", False)
        self.__dict__.update(state)
        if rebuild:
            self._rebuild_design()

    def _rebuild_design(self):
        """Re-evaluate the formula on ``data.frame`` for its patsy DesignInfo objects.

        They stay None when that fails (the formula used names of the namespace
        it was created in); ``predict`` with new data then says so.
        """
        frame = getattr(self.data, "frame", None)
        parsed = getattr(self, "parsed_formula", None)
        if frame is None or parsed is None:
            return
        glm = hasattr(self, "offset_design_infos")
        try:
            with warnings.catch_warnings():     # the user saw them when the model was made
                warnings.simplefilter("ignore", SpecificationWarning)
                mf = build_model_frame(parsed, frame, missing="drop", glm=glm,
                                       eval_env=dict(self._REBUILD_NAMES))
        except Exception:       # noqa: BLE001 -- unpickling must not fail on a namespace
            return
        self.data.model_spec = mf.model_spec
        self.re_design_infos = mf.re_design_infos
        if glm:
            self.offset_design_infos = mf.offset_design_infos
