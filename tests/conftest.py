import numpy as np
import pytest



@pytest.fixture
def rng():
    return np.random.default_rng(12345)


# notebooks under tests/ are fixtures (browser harness, grading), not lessons for nbval
collect_ignore_glob = ["*.ipynb"]
