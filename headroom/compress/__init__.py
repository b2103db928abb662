"""headroom.compress"""
