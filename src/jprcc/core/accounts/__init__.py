"""core/accounts"""
