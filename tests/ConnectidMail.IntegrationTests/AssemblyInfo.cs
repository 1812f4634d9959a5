[assembly: CollectionBehavior(DisableTestParallelization = true)]

// The portal runs on Linux (key file modes are Unix permissions).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
