"""The normalization rule language: lexer, parser, compiler (syntax), how rules run (ops), the
facade (normalize).

Imports `core` and `spec`.
"""
