import geopandas as gpd
import pytest
from shapely.geometry import Point

from geo.data.crs import cgcs2000_gk_crs, metric_crs_for, require_metric
from geo.errors import CRSError


def test_gk_zone_around_wuxi_is_4549():
    assert cgcs2000_gk_crs(120.33).to_epsg() == 4549
    assert cgcs2000_gk_crs(117.2).to_epsg() == 4548


def test_gk_zone_outside_china_refused():
    with pytest.raises(CRSError, match="outside China"):
        cgcs2000_gk_crs(10.0)


def test_metric_crs_choices():
    wgs = gpd.GeoDataFrame(geometry=[Point(120.33, 31.49)], crs="EPSG:4326")
    assert metric_crs_for(wgs).to_epsg() == 4549  # in China: CGCS2000 Gauss-Kruger, as for CGCS2000
    paris = gpd.GeoDataFrame(geometry=[Point(2.35, 48.85)], crs="EPSG:4326")
    assert metric_crs_for(paris).to_epsg() == 32631  # elsewhere: UTM
    cgcs = wgs.set_crs("EPSG:4490", allow_override=True)
    assert metric_crs_for(cgcs).to_epsg() == 4549
    proj = wgs.to_crs(32651)  # a projected CRS is kept
    assert metric_crs_for(proj).to_epsg() == 32651
    with pytest.raises(CRSError, match="no CRS"):
        metric_crs_for(gpd.GeoDataFrame(geometry=[Point(0, 0)]))
    with pytest.raises(CRSError, match="projected"):
        require_metric(wgs, "estates")
