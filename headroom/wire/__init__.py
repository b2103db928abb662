"""headroom.wire"""
