"""core/theater"""
