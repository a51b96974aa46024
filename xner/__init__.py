"""xner: cross-lingual NER transfer and robustness to perturbations.

Follows Manafi & Krishnaswamy (2024), "Cross-Lingual Transfer Robustness to
Lower-Resource Languages on Adversarial Datasets".
"""

__version__ = "0.1.0"
