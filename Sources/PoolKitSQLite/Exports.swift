@_exported import PoolKit
