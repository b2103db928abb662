"""headroom.transport"""
