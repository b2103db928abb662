"""headroom.store"""
