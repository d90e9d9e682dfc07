// The basemap under the portal's own map layers, from the MAP_BASEMAP setting handed to the page:
// none (a plain background, works offline), raster tiles from a tile address, or one PMTiles
// file served by the portal (read with the vendored pmtiles.js, global `pmtiles`); and fitting a
// map to features. Loaded with import() by the map page, the boundary editor and the report page.

async function pmtilesSource(maplibregl, address) {
  const pmtiles = window.pmtiles;
  const protocol = new pmtiles.Protocol();
  maplibregl.addProtocol("pmtiles", protocol.tile);
  const archive = new pmtiles.PMTiles(new URL(address, window.location.href).href);
  protocol.add(archive);
  const header = await archive.getHeader();
  // The protocol's TileJSON leaves out the archive's credit: it is taken from the metadata.
  const metadata = await archive.getMetadata();
  const url = `pmtiles://${archive.source.getKey()}`;
  const attribution = metadata.attribution || "";
  if (header.tileType !== pmtiles.TileType.Mvt) {
    return {source: {type: "raster", url, tileSize: 256, attribution},
            layers: [{id: "basemap", type: "raster", source: "basemap"}]};
  }
  // Vector tiles without a style of their own: every layer drawn in quiet greys.
  const layers = (metadata.vector_layers || []).flatMap(({id}) => [
    {id: `basemap-${id}-fill`, type: "fill", source: "basemap", "source-layer": id,
     filter: ["==", ["geometry-type"], "Polygon"], paint: {"fill-color": "#dde3ea"}},
    {id: `basemap-${id}-line`, type: "line", source: "basemap", "source-layer": id,
     paint: {"line-color": "#adb5bd", "line-width": 0.6}},
  ]);
  return {source: {type: "vector", url, attribution}, layers};
}

export async function baseStyle(maplibregl, basemap) {
  const style = {
    version: 8,
    sources: {},
    layers: [{id: "background", type: "background", paint: {"background-color": "#eef1f4"}}],
  };
  let base = null;
  if (basemap.kind === "tiles") {
    base = {source: {type: "raster", tiles: [basemap.tiles], tileSize: 256,
                     attribution: basemap.attribution || ""},
            layers: [{id: "basemap", type: "raster", source: "basemap"}]};
  } else if (basemap.kind === "pmtiles") {
    base = await pmtilesSource(maplibregl, basemap.pmtiles);
  }
  if (base) {
    style.sources.basemap = base.source;
    style.layers.push(...base.layers);
  }
  return style;
}

// The portal's map on `container`: the basemap's style, the default view (the demo city until
// the page fits its features), a credit only when a basemap is drawn, and the zoom buttons.
// Resolves once the map has loaded; throws (after `onNoWebGL`) where the browser has no WebGL.
export async function makeMap(maplibregl, container, basemap, {onNoWebGL, ...options} = {}) {
  const style = await baseStyle(maplibregl, basemap);
  let map;
  try {
    map = new maplibregl.Map({
      container,
      style,
      center: [102.71, 25.04],
      zoom: 11,
      // A basemap credits its source (from the settings, or from the PMTiles metadata).
      attributionControl: basemap.kind === "none" ? false : {compact: true},
      ...options,
    });
  } catch (error) {
    if (onNoWebGL) {
      onNoWebGL();
    }
    throw error;
  }
  map.addControl(new maplibregl.NavigationControl({showCompass: false}), "top-right");
  await map.once("load");
  return map;
}

// Fit the map to the features' extent (any geometry), at once.
export function fitToFeatures(maplibregl, map, features, {padding = 32, maxZoom = 18} = {}) {
  const bounds = new maplibregl.LngLatBounds();
  const extend = (coordinates) => {
    if (typeof coordinates[0] === "number") {
      bounds.extend(coordinates);
    } else {
      coordinates.forEach(extend);
    }
  };
  features.forEach((feature) => extend(feature.geometry.coordinates));
  map.fitBounds(bounds, {padding, animate: false, maxZoom});
}
