namespace Xwp;

/// <summary>How the Grad-CAM++-style metrics turn an attribution map into a mask in [0, 1], per image.</summary>
public enum MapScaling
{
    /// <summary>
    /// The default: negative scores become 0 and the rest is divided by the image's largest score,
    /// <c>m = max(a, 0) / max_i max(a_i, 0)</c>. A map with no positive score keeps nothing (m = 0).
    /// </summary>
    PositivePartOverMax,

    /// <summary>
    /// Min–max scaling, <c>m = (a − min a) / (max a − min a)</c>. A constant map keeps nothing (m = 0).
    /// </summary>
    MinMax,
}
