"""headroom.providers"""
