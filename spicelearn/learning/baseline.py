"""The linear baseline a nonlinear circuit must beat.

scikit-learn's logistic regression (multinomial for more than two classes, L2
regularized with C = 1, lbfgs) trained on the same split and the same voltage
encoding as the circuit. A circuit whose activations never conduct is a linear
map from input voltages to output voltages and scores about the same.
"""

from __future__ import annotations

import warnings

import numpy as np


def linear_baseline_accuracy(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
                             y_test: np.ndarray) -> float:
    """Test accuracy [1] of logistic regression fitted on (x_train [V], y_train)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression(max_iter=5000).fit(x_train, y_train)
    return float(model.score(x_test, y_test))
