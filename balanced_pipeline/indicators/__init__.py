"""Stage 3, indicators: the formulas (R1–R7, split, difference coefficient) and one module per G/Q dimension, social recognition, precondition and vetoes."""
