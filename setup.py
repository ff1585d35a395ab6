"""Build the Cython kernels of statsmodels-crossed.

Everything else lives in pyproject.toml; this file only declares the extension
modules (one per kernel family under ``statsmodels_crossed/linalg``).
"""
import numpy as np
from Cython.Build import cythonize
from setuptools import Extension, setup

DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": False,
}

KERNELS = ["assemble", "rank_update", "scale"]
#: Kernels with OpenMP loops (gcc/clang: libgomp/libomp ship with the compiler).
OPENMP = {"rank_update"}

extensions = [
    Extension(
        f"statsmodels_crossed.linalg._{name}",
        [f"statsmodels_crossed/linalg/_{name}.pyx"],
        include_dirs=[np.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O3"] + (["-fopenmp"] if name in OPENMP else []),
        extra_link_args=["-fopenmp"] if name in OPENMP else [],
    )
    for name in KERNELS
]

setup(ext_modules=cythonize(extensions, compiler_directives=DIRECTIVES))
