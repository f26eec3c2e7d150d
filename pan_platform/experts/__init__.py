"""Experts and trainers directory, and contact through the platform."""
