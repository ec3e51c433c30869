"""brokering"""
