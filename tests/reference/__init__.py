"""Plain NumPy references of kernn's kernels, written for clarity, not speed.

Each computes in float64. tests/test_reference.py checks their gradients by finite
differences; tests/kernels/ compares the C++ kernels to them.
"""
